module sqlserver-backup/tests/doubles/sqlpackage-double

go 1.22
