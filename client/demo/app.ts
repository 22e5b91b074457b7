/** "Acme Invoices": the demo product Pilotlight serves at `/`, instrumented with capture.js and widget.js. */
import { billing } from "./pages/billing.js";
import { dashboard } from "./pages/dashboard.js";
import { invoiceDetail } from "./pages/invoice-detail.js";
import { invoiceNew } from "./pages/invoice-new.js";
import { invoices } from "./pages/invoices.js";
import { reports } from "./pages/reports.js";
import { team } from "./pages/team.js";
import { route, startRouter } from "./router.js";

route("/dashboard", dashboard);
route("/invoices", invoices);
route("/invoices/new", invoiceNew);
route("/invoices/:id", invoiceDetail);
route("/reports", reports);
route("/settings/team", team);
route("/settings/billing", billing);
startRouter();
