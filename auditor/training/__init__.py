"""Training of the models vecaudit ships; never imported by a scan.

- `inverter`: the hypothesizer/corrector LM and its projector (`Trainer`, `export_inverter`).
- `inverter_cli`: the options of `vecaudit train inverter`, kept apart from the torch code.
- `adapter`: fits, compares and ships translation adapters between encoder spaces
  (`vecaudit train adapter`).

Training reads its text from `vecaudit.synthetic` and builds on `vecaudit.inversion` and
`vecaudit.encoders`; neither of those imports this package.
"""
