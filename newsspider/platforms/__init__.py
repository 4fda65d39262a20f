"""CMS platform families: what TRS, Hanweb, UCAP, Founder and People sites share."""
