// Barrel for src/message; each area file adds one export line here.
export {};
