ALTER TABLE territories DROP COLUMN double_credit;
