"""The untrusted-input audit: hostile hoster lists, URLs, file names and answers, at every
layer a user reaches (the index, the pipeline, the HTTP layer, downloads, the command line)."""
