"""When and how safely the pipeline runs, never what it does (that is ``pipeline``,
``digest`` and ``mail``): ``cron`` (the crontab dialect and its triggers), ``lock`` (the run
lock every writer holds), ``jobs`` (one ``monitor run``) and ``serve`` (``monitor serve``).

Nothing here touches SQLite or the network directly. Kept free of imports so that
``config`` can validate a schedule with ``cron`` without loading the service.
"""
