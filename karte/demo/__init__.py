"""Bundled demo data: a small synthetic, entirely fictitious Japanese hospital cohort."""
