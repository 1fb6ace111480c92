// 首次设置: the one-time link the server logged at its first start creates the first admin,
// who then lands signed in.

import { h, field } from '../ui.js';
import * as auth from '../auth.js';
import { errorText } from '../api.js';
import { begin } from '../session.js';
import { navigate } from '../router.js';

export async function setup(ctx) {
  ctx.title('首次设置');
  const token = ctx.query.get('token') || '';
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '50', autocomplete: 'name' });
  const phone = h('input', { type: 'tel', name: 'phone', required: true, inputmode: 'numeric', autocomplete: 'username', maxlength: '11' });
  const password = h('input', { type: 'password', name: 'password', required: true, minlength: '10', autocomplete: 'new-password' });
  const again = h('input', { type: 'password', name: 'password2', required: true, autocomplete: 'new-password' });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '创建管理员并登录');
  const form = h('form', { class: 'card form', novalidate: true },
    field('姓名', name, { required: true }), field('手机号（登录名）', phone, { required: true }),
    field('密码', password, { required: true, hint: '至少 10 位，不能是常见密码，不能含手机号' }), field('再次输入密码', again, { required: true }), msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    if (!name.value.trim() || !phone.value.trim() || !password.value) { msg.textContent = '请填写姓名、手机号和密码。'; return; }
    if (password.value !== again.value) { msg.textContent = '两次输入的密码不一致。'; return; }
    button.disabled = true;
    try {
      const user = await auth.setupAdmin({ token, name: name.value.trim(), phone: phone.value.trim(), password: password.value });
      await begin(user, { fresh: true });
      navigate('/admin', { replace: true });
    } catch (err) {
      msg.textContent = err.status === 404 ? '这个设置链接无效、已用过或已过期（有效期 1 小时）。请重启服务器，从日志中取得新链接。'
        : err.status === 409 ? '系统已经有管理员了，请直接登录。' : errorText(err);
      button.disabled = false;
    }
  });
  ctx.show(h('div', { class: 'login' },
    h('h2', {}, '首次设置：创建管理员'),
    h('p', { class: 'lead' }, '这是系统的第一个管理员账号。创建后即可登录，新增用户、议事室，或批量导入委员。'),
    token ? form : h('p', { class: 'error' }, '链接缺少设置码：请从服务器日志中复制完整的 /setup?token=… 链接。')));
}
