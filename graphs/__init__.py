"""Graph builders and the graph algorithms the tools and graders share, one module per family."""
