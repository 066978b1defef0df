DROP TABLE registration_territory_flags;
DROP TABLE territory_modes;
DROP TABLE territory_reps;
DROP TABLE territory_orgs;
DROP TABLE territories;
