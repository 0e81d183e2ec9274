"""Support chatbot: answers from the knowledge base, or hands off to a person."""
