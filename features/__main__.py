"""Print the feature registry as a Markdown table: ``python -m features``."""

from features.registry import features_table

if __name__ == "__main__":
    print(features_table(), end="")
