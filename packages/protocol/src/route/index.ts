// Barrel for src/route; each area file adds one export line here.
export {};
