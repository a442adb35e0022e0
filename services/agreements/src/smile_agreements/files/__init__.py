"""The incoming student's application file: programme steps, documents, messages, history."""
