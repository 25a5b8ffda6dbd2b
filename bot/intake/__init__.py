"""The CRE intake: the structured record that turns a symptom into an actionable incident."""
