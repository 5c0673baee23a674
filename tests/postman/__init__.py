"""postman/: the committed Postman collection, run by newman against a live server on each database."""
