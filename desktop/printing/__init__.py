"""Printing (打印): receipts, mailing hand-over slips, day sheets, guides and notices on A4, A5 and 80/58 mm rolls.

Data comes from ``queries`` / ``day_query`` as frozen dataclasses (``data``); ``documents.pdf_of(data, paper)``
lays it out and renders PDF bytes; ``qt_print`` (the only Qt module here) previews, prints and saves.
"""
