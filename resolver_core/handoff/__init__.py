"""Hand-offs to the download managers people already use: aria2, JDownloader."""
