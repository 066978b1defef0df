-- A territory can switch on the double-credit model for deals won in it: the partner's full
-- commission and the assisting rep's full quota credit.
ALTER TABLE territories ADD COLUMN double_credit BOOLEAN NOT NULL DEFAULT FALSE;
