"""Print plans and apply reports: text, markdown, json. Nothing else prints a plan."""
