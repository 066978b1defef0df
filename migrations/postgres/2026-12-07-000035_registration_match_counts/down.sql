DROP TABLE registration_match_counts;
