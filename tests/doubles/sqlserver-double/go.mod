module sqlserver-backup/tests/doubles/sqlserver-double

go 1.22
