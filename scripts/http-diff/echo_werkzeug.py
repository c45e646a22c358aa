"""An HTTP echo server on werkzeug (the parser moto_server runs): every request is answered with a JSON report
of what werkzeug read from it, for the gateway's differential test (scripts/http-diff). Listens on 127.0.0.1,
a free port, and prints "listening HOST:PORT". Run with the Python that has moto (werkzeug comes with it)."""
import base64
import json
import sys

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@Request.application
def echo(request):
    env = request.environ
    report = {
        'parser': 'werkzeug',
        'method': request.method,
        'target': env.get('REQUEST_URI') or env.get('RAW_URI') or '',
        'path': request.path,
        'raw_path': env.get('REQUEST_URI', '').split('?', 1)[0],
        'raw_query': env.get('QUERY_STRING', ''),
        'query': {k: request.args.getlist(k) for k in request.args.keys()},
        'host': request.host,
        'headers': {},
        'body_base64': base64.b64encode(request.get_data()).decode('ascii'),
    }
    if request.mimetype == 'application/x-www-form-urlencoded':
        report['form'] = {k: request.form.getlist(k) for k in request.form.keys()}
    for k, v in request.headers.items():
        report['headers'].setdefault(k.lower(), []).append(v)
    return Response(json.dumps(report), content_type='application/json')


def main():
    server = make_server('127.0.0.1', 0, echo, threaded=True)
    print(f'listening 127.0.0.1:{server.port}', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    sys.exit(main())
