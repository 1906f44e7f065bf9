// For tests/pwa/test_citizen_rules.py: the field app's citizen rules over a JSON list of cases
// on stdin ({rule: "feedback"|"survey", values}), one problems object per case on stdout.
import { feedbackProblems, surveyProblems } from "../../pwa/core/citizen.js";

let text = "";
for await (const chunk of process.stdin) text += chunk;
const out = JSON.parse(text).map(({ rule, values }) =>
  rule === "feedback" ? feedbackProblems(values) : surveyProblems(values),
);
process.stdout.write(JSON.stringify(out));
