"""The live ranking of candidate reform ideas, and the facilitator's decisions on them."""
