"""Document drafting (discharge summary, referral letter, patient advice) grounded in the chart."""
