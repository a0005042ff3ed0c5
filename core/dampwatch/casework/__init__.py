"""Casework under Awaab's Law as pure models: which duties a case has, their deadlines, the letter.

`duties` turns a case's dated facts into its statutory duties with deadlines and status;
`scope` says which flags start the clock (phase 1, and phase 2 from a configured date);
`letter` writes the tenant's written summary in plain English. Nothing here does I/O.
"""
