"""`qrstream report`: what a run did, read back from ClickHouse, judged against the ground truth
of the injected scenarios, and rendered as text, HTML and PNG charts."""
