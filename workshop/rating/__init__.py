"""2×2 rating: each participant rates each candidate on two axes from 1 to 5."""
