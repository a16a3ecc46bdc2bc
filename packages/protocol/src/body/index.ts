// Barrel for src/body; each area file adds one export line here.
export {};
