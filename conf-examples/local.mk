# Example configuration, installed for operators to copy.
examplesdir = $(docdir)/examples
dist_examples_DATA =
