"""arq: the worker settings, cron entries and job functions. Jobs parse their arguments,
call one billing function and return; the rules are in billing/."""
