"""Forms of the balance app: the staff pages and the customer's My credits."""
