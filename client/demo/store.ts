/** The demo's data, kept in localStorage so it survives reloads. */
export interface Invoice {
  id: number;
  customer: string;
  amount: number;
  due: string;
  status: "draft" | "sent" | "paid" | "overdue";
}

export interface Member {
  email: string;
  role: string;
  status: "active" | "invited";
}

const KEY = "acme-demo";

interface Data {
  invoices: Invoice[];
  members: Member[];
  card: string;
}

const seed: Data = {
  invoices: [
    { id: 1041, customer: "Globex Corporation", amount: 1250, due: "2026-12-01", status: "sent" },
    { id: 1040, customer: "Initech", amount: 480, due: "2026-11-15", status: "overdue" },
    { id: 1039, customer: "Umbrella Ltd", amount: 3200, due: "2026-11-02", status: "paid" },
    { id: 1038, customer: "Stark Industries", amount: 915.5, due: "2026-10-28", status: "paid" },
  ],
  members: [
    { email: "dana@acme.test", role: "Owner", status: "active" },
    { email: "lee@acme.test", role: "Accountant", status: "active" },
  ],
  card: "Visa ending 4242",
};

export const customers = ["Globex Corporation", "Initech", "Umbrella Ltd", "Stark Industries", "Wayne Enterprises"];

export function load(): Data {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) return JSON.parse(raw) as Data;
  } catch {
    /* fall back to the seed */
  }
  return structuredClone(seed);
}

export function save(data: Data): void {
  localStorage.setItem(KEY, JSON.stringify(data));
}

export const money = (n: number) => n.toLocaleString("en-US", { style: "currency", currency: "USD" });
