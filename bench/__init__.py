"""Load benchmark for the shop: see bench/README.md."""
