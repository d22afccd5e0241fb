"""Synthetic text: every made-up corpus vecaudit uses, from one set of value generators.

- `values`: seeded generators of names, e-mails, phones, SSNs, Luhn-valid cards, IBANs, addresses
  and dates, parameterised by each corpus's word pools and ranges.
- `templates`: `{slot}` filling and the labelled `Sample`.
- `refcorpus`: the reference corpus the shipped encoder profiles are built from (pinned by hash).
- `demo_records`: the records of `vecaudit demo` and of most store-level tests.
- `detection`: sentences and payloads with and without PII for detector tests and benchmarks.
- `factory`, `pii_styles`, `mix`, `natural`, `corpus`: the inverter's labelled corpus (Faker-backed
  values in many formats, template families, the training-only mixes with natural text, and the
  train/held-out splits) used by training, `vecaudit bench` and the adapter fits.

Nothing here imports the scan path (encoders, inversion, stores); importing this package is cheap.
"""
