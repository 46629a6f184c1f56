"""Views of the balance app: staff pages and the customer's "My credits"."""
