"""Notices to establishments (per EJ and year, in French, HTML and PDF).

``caqes_tasks.notices.stage.notices_stage(ctx)`` is the stage; ``formatting`` holds the French
number, date and FINESS formatting the templates use.
"""
