"""Import and export of customers at scale (IMP-1…7): templates, uploads with header mapping,
background import jobs that are all-or-nothing, streamed exports within the data scope."""
