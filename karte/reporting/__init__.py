"""Public-health reporting: 発生届 drafts under 感染症法, and death-certificate cause coding.

- :mod:`karte.reporting.diseases`: the dated notifiable-disease table (class, 全数/定点, deadline,
  届出基準 criteria, form fields), its importer and validator.
- :mod:`karte.reporting.notify`: from extracted diagnoses and test results to a notification draft
  (criteria met, form fields with evidence, FHIR QuestionnaireResponse, printable HTML).
- :mod:`karte.reporting.death`: death-certificate (死亡診断書) cause coding: conditions to ICD-10 and
  ICD-11, external causes (V01–Y98, ICD-11 chapter 23), underlying-cause selection (WHO General
  Principle, Rules 1–3 and a documented subset of the modification rules).

Every draft is for review by a physician or a trained coder; nothing here is a diagnosis.
"""
