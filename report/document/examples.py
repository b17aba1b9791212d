# ruff: noqa: E501  (YAML examples are copied as they are)
"""A short example of every section type, for the reference (docs/reference.md).

Each is one item of `sections:`, in a one-edition file whose sources are `icrc-faq` and
`unhcr-factsheet-2024` (the seeds) and whose `figures:` (EXAMPLE_FILE) declare the numbers
the examples refer to by id; tests/test_reference.py validates every one. Facts come
from those two documents, as in data.yaml. A new section type adds its example here.
"""

EXAMPLES = {
    "chapter": """\
- type: chapter
  id: icrc
  title: "ICRC transition"
  summary: "The ICRC, in Azerbaijan since 1992, closes its office in September 2025."
""",
    "contents": """\
- type: contents
  title: "Contents"
""",
    "cover": """\
- type: cover
  source: unhcr-factsheet-2024
  figures:
    - {figure: idps, label: "IDPs (internally displaced people)"}
    - funded-share
  note: "Figures from the UNHCR Azerbaijan fact sheet (2024)."
""",
    "donors": """\
- type: donors
  title: "Donors"
  source: unhcr-factsheet-2024
  intro:
    - "UNHCR thanks its key donors for their support:"
  donors: ["Australia", "Belgium", "Denmark"]
  closing:
    - "UNHCR also expresses its gratitude for the generous contributions of the private sector and individuals."
""",
    "faq": """\
- type: faq
  title: "Questions and answers"
  source: icrc-faq
  items:
    - question: "Will the ICRC keep in touch with the families of detainees?"
      answer:
        - "Yes: the ICRC Delegation in Armenia stays in contact with the families of detainees."
""",
    "funding": """\
- type: funding
  title: "Funding"
  source: unhcr-factsheet-2024
  as_of: "as of September 2024"
  requirement: funding-requirement
  funded: funding-funded
  gap: funding-gap
  funded_percent: funded-share
  gap_percent: gap-share
  caption: "UNHCR's financial requirements in Azerbaijan: funded and gap."
""",
    "handover": """\
- type: handover
  title: "Who carries each activity now"
  source: icrc-faq
  rows:
    - activity: "Contact with the families of people detained in Azerbaijan"
      carried_by: "ICRC Delegation in Armenia"
""",
    "image": """\
- type: image
  title: "A picture from assets/"
  file: assets/brand/logo.svg
  alt: "A light-blue page with a folded corner and three lines of text on a dark-blue square"
  credit: "Field Briefings"
  caption: "A photo or a map goes here the same way: put the file in assets/."
  size: column
""",
    "items": """\
- type: items
  title: "Main priorities"
  source: unhcr-factsheet-2024
  items:
    - heading: "Statelessness"
      text:
        - {text: "{n} stateless people acquired citizenship in 2024.", values: {n: stateless-acquired-citizenship-2024}}
""",
    "key_figures": """\
- type: key_figures
  title: "Key results in 2024"
  source: unhcr-factsheet-2024
  items:
    - mine-safety-signs
    - {figure: eye-exams, label: "IDPs and other vulnerable people received eye examinations and free glasses"}
""",
    "list": """\
- type: list
  title: "Key messages"
  items:
    - text: "The ICRC will close its office in Azerbaijan in **September 2025**."
      source: icrc-faq
    - text: "UNHCR supports the Government in finding durable solutions for {idps} IDPs."
      values: {idps: idps}
      source: unhcr-factsheet-2024
""",
    "population": """\
- type: population
  title: "Population statistics"
  source: unhcr-factsheet-2024
  as_of: "mid-2024"
  caption: "Population statistics, mid-2024."
  groups:
    - idps
    - refugees
    - {figure: stateless, label: "Stateless people"}
""",
    "presence": """\
- type: presence
  title: "UNHCR presence in Azerbaijan"
  source: unhcr-factsheet-2024
  staff:
    - staff-national
    - staff-international
  offices:
    - office-baku
""",
    "sources": """\
- type: sources
  title: "Sources and notes"
  notes:
    - "Figures are reproduced as published; no figure was estimated or added."
  unavailable:
    - "The fact sheet's photo is not available."
""",
    "table": """\
- type: table
  title: "Population, mid-2024"
  source: unhcr-factsheet-2024
  caption: "People of concern to UNHCR in Azerbaijan, mid-2024"
  columns:
    - {column: group, header: "Group"}
    - {column: people, header: "People", format: number}
  rows:
    - {group: "IDPs", people: {figure: idps}}
    - {group: "Refugees", people: {figure: refugees}}
    - {group: "Stateless people", people: {figure: stateless}}
""",
    "text": """\
- type: text
  id: closure
  title: "Closure of the office in September 2025"
  source: icrc-faq
  paragraphs:
    - "Following the decision of the authorities of the Republic of Azerbaijan, the ICRC will close its office in the country in September 2025."
""",
    "timeline": """\
- type: timeline
  title: "Timeline"
  source: icrc-faq
  events:
    - date: 1992
      text: "The ICRC begins working in Azerbaijan."
    - date: "2025-09"
      text: "The ICRC closes its office in Azerbaijan."
""",
}

EXAMPLE_FILE = """\
document:
  editions: [en]
  title: "Example"
  subtitle: "Example"
  short_title: "Example"
  author: "Example"
  subject: "Example"
  keywords: "Example"
  reference_date: "2025-09"
brand: assets/brand.yaml
sources:
  - {id: icrc-faq, title: "Frequently asked questions on the closure of the ICRC Delegation in Azerbaijan", publisher: "ICRC", published: 2025, kind: "FAQ document"}
  - {id: unhcr-factsheet-2024, title: "Azerbaijan fact sheet", publisher: "UNHCR", published: 2024, kind: "Fact sheet"}
figures:
  idps: {value: 657749, label: "IDPs", as_of: "mid-2024", source: unhcr-factsheet-2024}
  refugees: {value: 8087, label: "Refugees", as_of: "mid-2024", source: unhcr-factsheet-2024}
  stateless: {value: 513, label: "Stateless", as_of: "mid-2024", source: unhcr-factsheet-2024}
  mine-safety-signs: {value: 155, label: "mine-safety information signs produced and installed", source: unhcr-factsheet-2024}
  eye-exams: {value: 3263, label: "people received eye examinations and free glasses", source: unhcr-factsheet-2024}
  stateless-acquired-citizenship-2024: {value: 21, source: unhcr-factsheet-2024}
  staff-national: {value: 22, label: "National staff", source: unhcr-factsheet-2024}
  staff-international: {value: 3, label: "International staff", source: unhcr-factsheet-2024}
  office-baku: {value: 1, label: "Representation in Baku", source: unhcr-factsheet-2024}
  funding-requirement: {kind: amount, value: 8.0, decimals: 1, currency: USD, scale: million, unit: "million US dollars", source: unhcr-factsheet-2024}
  funding-funded: {kind: amount, value: 4.5, decimals: 1, currency: USD, scale: million, unit: "million US dollars", source: unhcr-factsheet-2024}
  funding-gap: {kind: amount, difference: [funding-requirement, funding-funded], printed: 3.5, decimals: 1, currency: USD, scale: million, unit: "million US dollars", source: unhcr-factsheet-2024}
  funded-share: {kind: percent, share: {part: funding-funded, whole: funding-requirement}, printed: 56, label: "of UNHCR's financial requirements funded", source: unhcr-factsheet-2024}
  gap-share: {kind: percent, share: {part: funding-gap, whole: funding-requirement}, printed: 44, source: unhcr-factsheet-2024}
sections:
"""
"""The rest of a data file around one example (`EXAMPLE_FILE + indent(example)`)."""
