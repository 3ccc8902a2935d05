"""How much text a person may type into one field: the bounds every model, form and (later) API
field of the portal uses, so that no field stores or echoes more than a page can show.

Fields with a meaning of their own (a title, a code) keep their own max_length; free text takes one of
these. Requests as a whole are bounded in settings (DATA_UPLOAD_MAX_MEMORY_SIZE) and by
apps.core.middleware.InputLimitsMiddleware.
"""

NOTE = 2_000  # a note, a reason, a comment: a paragraph or two
TEXT = 4_000  # a description, an explanation, an answer (GeoReport's own limit for a description)
DOCUMENT = 10_000  # the body of a formal response or its legal reasoning
SEARCH = 100  # what a search box takes; longer input is cut, never echoed back
