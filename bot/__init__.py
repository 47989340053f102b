"""Lantern: psychoeducation chatbot with crisis escalation.

Modules named ``rasa_*`` are the only bridges into Rasa's server; the rest of
``bot`` does not import Rasa.
"""
