"""Every write in invoicing: bank details (bank_details), the invoicing terms of a referral (terms), invoices and
credit notes from raising to approval (invoices), and payment runs (runs)."""
