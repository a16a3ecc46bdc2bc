// Barrel for src/headers; each area file adds one export line here.
export {};
