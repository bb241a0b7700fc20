"""Training data and training of the NER model (MedTxt), with a fixed development split."""
