/// The version of flnb, printed by `flnb --version` and written into files flnb creates.
public let flnbVersion = "0.1.0"
