"""Django project: the demo website with the chat, the public safety page and the staff console."""
