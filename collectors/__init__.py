"""collectors turn outside data into amplify records; only ``collectors.telegram*`` import Telethon.

Each collector yields plain records (:mod:`amplify.records`) and never writes to the
store itself; a job (a CLI command, :func:`collectors.importing.import_file`) hands the
records to :class:`amplify.store.Store`.

- :mod:`collectors.desktop_export` reads Telegram Desktop channel exports (``result.json``).
- :mod:`collectors.records_jsonl` reads and writes amplify's own JSON Lines format.
- :mod:`collectors.importing` imports either kind of file in one transaction.
- :mod:`collectors.telegram` collects channels through the Telegram API (Telethon), with
  its helpers ``telegram_channels``, ``telegram_history``, ``telegram_flood``,
  ``telegram_convert``, ``telegram_snowball`` and ``telegram_report``.
"""
