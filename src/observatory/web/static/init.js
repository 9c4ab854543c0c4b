// Starts GOV.UK Frontend's components. Every page works without it: this only adds behaviour.
import { initAll } from "/assets/govuk/govuk-frontend.min.js";
initAll();
