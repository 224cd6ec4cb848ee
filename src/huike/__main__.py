from huike.cli import main

main()
