"""`qrstream demo`: the whole pipeline on embedded defaults, end to end, in one command."""
