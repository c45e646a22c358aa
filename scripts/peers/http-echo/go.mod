module warden.test/http-echo

go 1.26
